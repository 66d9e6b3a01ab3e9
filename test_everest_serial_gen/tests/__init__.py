from . import test_document_type
