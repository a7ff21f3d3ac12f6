"""Django's two upload handlers with one change: every uploaded file's name is shortened safely
(``core.inputs.short_file_name``: at most 120 bytes, extension kept, no folders or control
characters) before anything stores it, whatever form, API or view receives it. Files beyond
``FILE_UPLOAD_MAX_MEMORY_SIZE`` go to a temporary file, as with Django's own handlers."""

from __future__ import annotations

from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler

from gongjian.core.inputs import short_file_name


class ShortNameMemoryFileUploadHandler(MemoryFileUploadHandler):
    def new_file(self, field_name, file_name, *args, **kwargs):
        return super().new_file(field_name, short_file_name(file_name), *args, **kwargs)


class ShortNameTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    def new_file(self, field_name, file_name, *args, **kwargs):
        return super().new_file(field_name, short_file_name(file_name), *args, **kwargs)
