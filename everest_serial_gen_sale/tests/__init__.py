from . import test_attach
from . import test_background_receipt
from . import test_credit_note
from . import test_return_matrix
from . import test_tours
from . import test_fast_path_attach
