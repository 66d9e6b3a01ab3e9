from . import serial_send_vendor_wizard
from . import serial_vendor_receive_wizard
