from . import test_serial_return
