from . import serial_generate_wizard
from . import serial_manufacturer_wizard
from . import stock_return_picking
