from . import serial_generation_job
