from . import test_vendor
from . import test_demo
