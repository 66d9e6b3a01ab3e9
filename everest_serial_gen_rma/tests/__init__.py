from . import test_rma
