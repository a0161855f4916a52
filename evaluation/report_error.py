"""The one error of the HTML evaluation report, kept apart so the CLI can name it without
importing Jinja2 or matplotlib."""

from records import MedquoteError


class ReportError(MedquoteError):
    """The HTML report cannot be written. The message names the file and the fix."""
