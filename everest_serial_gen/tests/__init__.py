from . import test_install
from . import test_credit_note
from . import test_return
from . import test_numbering
from . import test_concurrency
from . import test_fast_path
from . import test_background
from . import test_security
