from . import test_fast_path
from . import test_fast_path_messages
from . import test_fast_path_moves
from . import test_scale
