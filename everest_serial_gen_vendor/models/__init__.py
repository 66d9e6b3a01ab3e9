from . import serial_vendor_return
from . import serial_vendor_send
from . import serial_vendor_receive
from . import serial_generation_job_line
from . import stock_lot
from . import stock_move_line
from . import stock_picking
from . import stock_warehouse
