"""Exports of a workshop (the files a planning office takes home) and the JSON import.

- `format.py`: what a format is (`ExportFormat`: name, media type, file extension, the label
  of its console button, its writer).
- `registry.py`: `FORMATS`, every format by name, found in this package. The export route,
  the console's buttons, the render workers and README's list of formats all read it.
- `tables.py`: the rows the spreadsheet formats share (projects, ranking, coverage, dots per
  participant, rounds), read once per file from the results model across rounds
  (app/services/standings.py), headed in the file's language.
- One module per format: `xlsx_export.py`, `csv_export.py`, `json_export.py`.
- `json_import.py`: rebuild a workshop from its JSON export.

A new format is one new module here that ends with

    def write(session: Session, workshop: Workshop, lang: str, round_number: int | None) -> bytes: ...
    EXPORT = ExportFormat(name="ods", media_type="application/vnd.oasis.opendocument.spreadsheet",
                          extension="ods", label="ODS", write=write, position=40)

The registry finds it; `/api/v1/workshops/{code}/export?format=ods` and the console's button
follow. Then add its line to README's "Export formats" (a test checks the list) and to
API.md's list of formats.
"""
