from . import test_vendor
from . import test_demo
from . import test_fast_path_vendor
from . import test_background_vendor
