"""The report's PDF shows a bounded amount whatever the workshop's size: the first projects of
the ranking (and says where the rest are), a bounded list per strategy, the coverage matrix only
when it fits a page. The printable page shows every project."""

from __future__ import annotations

from sqlmodel import Session

from app.services import report
from app.services.exports import json_import
from tests.outputs.big import big_export


def test_a_pdf_of_400_projects_lists_the_first_300_and_says_where_the_rest_are(session: Session) -> None:
    workshop, _key, _screen = json_import.import_workshop(
        session, data=big_export(projects=400, tags=50, participants=10))
    pdf = report.build(session, workshop=workshop, lang="en", pdf=True)
    assert len(pdf["ranking"]) == report.PDF_RANKING_TOP == 300 and pdf["ranking_more"] == 100
    page = report.build(session, workshop=workshop, lang="en")
    assert len(page["ranking"]) == 400 and page["ranking_more"] == 0


def test_each_strategy_lists_a_bounded_number_of_projects(session: Session) -> None:
    many, _key, _screen = json_import.import_workshop(
        session, data=big_export(projects=200, tags=50, participants=1, strategies=100, areas=100))
    few, _key, _screen = json_import.import_workshop(
        session, data=big_export(projects=200, tags=4, participants=1))
    many_strategies = report.build(session, workshop=many, lang="en", pdf=True)
    assert many_strategies["strategy_top"] * len(many_strategies["strategies"]) <= report.STRATEGY_ITEMS
    assert report.build(session, workshop=few, lang="en", pdf=True)["strategy_top"] == report.STRATEGY_TOP
    # 100 x 100 strategies and reform areas do not fit a page: the PDF says where the matrix is.
    assert not many_strategies["coverage_shown"]
    assert report.build(session, workshop=many, lang="en")["coverage_shown"]


def test_the_report_says_how_many_more_projects_a_strategy_has(client, imported) -> None:  # type: ignore[no-untyped-def]
    created = imported(projects=40, tags=2, participants=1)  # every project under S1
    client.cookies.set("rk_lang", "en")
    html = client.get(f"/w/{created['code']}/facilitate/report").text
    assert "and 10 more" in html  # 30 listed under S1
    assert html.count("Project 0040") == 1  # in the ranking only
