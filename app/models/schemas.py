"""Field types shared by the request and answer models of every noun."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints

from app.text import clean_block, clean_line

Title = Annotated[str, BeforeValidator(clean_line), StringConstraints(min_length=1, max_length=200)]
Name = Annotated[str, BeforeValidator(clean_line), StringConstraints(min_length=1, max_length=100)]
OptionalName = Annotated[str, BeforeValidator(clean_line), StringConstraints(max_length=200)]
Description = Annotated[str, BeforeValidator(clean_block), StringConstraints(max_length=5000)]
Code = Annotated[str, BeforeValidator(clean_line), StringConstraints(min_length=1, max_length=20)]
# JSON ids: strict, so true or "3" are refused rather than guessed at.
Id = Annotated[int, Field(strict=True, ge=1, le=2**62)]
MAX_TAGS = 50
