from . import stock_lot
from . import stock_quant
from . import stock_move_line
from . import stock_move
