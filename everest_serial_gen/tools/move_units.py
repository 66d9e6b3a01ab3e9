"""Quantities of stock moves as Generate Serial # counts them."""


def done_returns(moves):
    """The done returns of ``moves`` (``origin_returned_move_id``)."""
    return moves.returned_move_ids.filtered(lambda move: move.state == "done")


def done_units(moves):
    """The done quantity of ``moves``, in their products' unit."""
    return sum(
        move.product_uom._compute_quantity(move.quantity, move.product_id.uom_id)
        for move in moves
    )
