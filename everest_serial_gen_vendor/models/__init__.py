from . import serial_vendor_return
from . import stock_lot
from . import stock_move_line
from . import stock_picking
from . import stock_warehouse
