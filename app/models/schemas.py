"""Field types shared by the request and answer models of every noun."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints

from app.text import clean_block, clean_line, clean_title

Title = Annotated[str, StringConstraints(min_length=1, max_length=200), BeforeValidator(clean_line)]
# Projects and workshops: real Thai project names run long (99th percentile 320 characters in
# ../shared/data/thaime) and keep the line breaks they were written with.
MAX_TITLE = 500
LongTitle = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TITLE), BeforeValidator(clean_title)]
OptionalLongTitle = Annotated[str, StringConstraints(max_length=MAX_TITLE), BeforeValidator(clean_title)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100), BeforeValidator(clean_line)]
OptionalName = Annotated[str, StringConstraints(max_length=200), BeforeValidator(clean_line)]
Description = Annotated[str, StringConstraints(max_length=5000), BeforeValidator(clean_block)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=20), BeforeValidator(clean_line)]
# JSON ids: strict, so true or "3" are refused rather than guessed at.
Id = Annotated[int, Field(strict=True, ge=1, le=2**62)]
MAX_TAGS = 50
