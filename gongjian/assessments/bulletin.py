"""The monthly bulletin (通报): kept here for the callers that import it from the assessments app
(the ``month_bulletin`` view, the ``bulletin`` command, background tasks). The bulletin itself lives
in ``gongjian.documents``: facts (``facts.py``), composition (``compose.py``), Word (``word.py``)
and PDF (``pdf.py``). Same constructors, same ``render() -> (filename, content_type, bytes)``."""

from gongjian.documents.bulletin import PDF, BulletinDocx, BulletinNotReady, BulletinPdf, bulletin_data
from gongjian.documents.compose import BulletinData
from gongjian.documents.word import DOCX

__all__ = ["DOCX", "PDF", "BulletinData", "BulletinDocx", "BulletinNotReady", "BulletinPdf", "bulletin_data"]
