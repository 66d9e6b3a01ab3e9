"""From 18.0 to 19.0: a product's own serial sequence, the addon's
serial_sequence_id up to 18.0, is core's lot_sequence_id since 19.0
(stock.lot._serial_product_sequence). Products that set one keep numbering from it."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """UPDATE product_template
              SET lot_sequence_id = serial_sequence_id
            WHERE serial_sequence_id IS NOT NULL"""
    )
