/** @odoo-module **/
/*
 * Browser tours of Generate Serial #, run by tests/test_tours.py.
 *
 * The tests create the documents and start each tour on its form, so the
 * tours have no `url`: they only do and check what a user does and sees.
 * Product names ("Tour Laptop", "Tour Cable Reel") and the First Serial #
 * ("TOURSN-0001") are shared with tests/test_tours.py.
 */
import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

/**
 * Show an optional column of the wizard's lines, as a user does with the
 * list's optional columns toggle (#24: what most users need is in view, the
 * rest behind the toggle).
 */
function showColumn(name) {
    return [
        {
            content: `Open the optional columns of the lines`,
            trigger: ".modal .o_field_widget[name=line_ids] .o_optional_columns_dropdown_toggle",
            run: "click",
        },
        {
            content: `Show the column ${name}`,
            trigger: `.o-dropdown--menu input[name=${name}]`,
            run: "click",
        },
        {
            trigger: `.modal .o_field_widget[name=line_ids] th[data-name=${name}]`,
        },
    ];
}

/** Click Generate Serial # in the form header and wait for the wizard. */
function openWizard() {
    return [
        {
            content: "Click Generate Serial # in the header of the form",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_generate_serial]",
            run: "click",
        },
        {
            content: "The wizard opens with its lines",
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row",
        },
    ];
}

tours.add("everest_serial_gen_credit_note_tour", {
    steps: () => [
        {
            content: "The credit note is posted",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Posted)",
        },
        {
            content: "Generate Serial # says where the items go",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_generate_serial][data-tooltip-info*='Stock location']",
        },
        ...openWizard(),
        {
            content: "The wizard says that OK creates a receipt into the Stock location",
            trigger: ".modal .alert-info:contains(receipt from the customer):contains(WH/Stock)",
        },
        {
            content: "One line per tracked product of the credit note",
            trigger: ".modal .o_field_widget[name=line_ids]:has(.o_data_row:contains(Tour Laptop)):has(.o_data_row:contains(Tour Cable Reel))",
        },
        {
            content: "The laptop line offers all 3 units",
            trigger: ".modal .o_data_row:contains(Tour Laptop) .o_data_cell[name=gen_quantity]:contains(3)",
        },
        {
            content: "Edit the Gen. Quantity of the laptop line",
            trigger: ".modal .o_data_row:contains(Tour Laptop) .o_data_cell[name=gen_quantity]",
            run: "click",
        },
        {
            trigger: ".modal .o_data_row:contains(Tour Laptop) .o_field_widget[name=gen_quantity] input",
            run: "edit 2",
        },
        ...showColumn("first_serial"),
        {
            content: "Number the laptops from a First Serial #",
            trigger: ".modal .o_data_row:contains(Tour Laptop) .o_data_cell[name=first_serial]",
            run: "click",
        },
        {
            trigger: ".modal .o_data_row:contains(Tour Laptop) .o_field_widget[name=first_serial] input",
            run: "edit TOURSN-0001",
        },
        {
            content: "Leave the row so that the line is saved and the preview computed",
            trigger: ".modal .o_form_view .o_group:first",
            run: "click",
        },
        {
            content: "The preview shows the first and the last serial",
            trigger: ".modal .o_data_row:contains(Tour Laptop) .o_data_cell[name=preview]:contains(TOURSN-0001 … TOURSN-0002)",
        },
        {
            content: "Click OK",
            trigger: ".modal .modal-footer button[name=action_generate]",
            run: "click",
        },
        {
            content: "The wizard is closed",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "A notification says what was generated where",
            trigger: ".o_notification:contains(2 serial numbers and 1 lot generated into WH/Stock)",
        },
        {
            content: "The new serials are listed at once, not grouped",
            trigger: ".o_list_view:not(:has(.o_group_header)) .o_data_row .o_data_cell[name=name]:contains(TOURSN-0001)",
        },
        {
            trigger: ".o_list_view .o_data_row .o_data_cell[name=name]:contains(TOURSN-0002)",
        },
        {
            trigger: ".o_list_view .o_data_row .o_data_cell[name=product_id]:contains(Tour Cable Reel)",
        },
        {
            content: "Print Labels from the list of the new serials",
            trigger: ".o_control_panel button[name=action_print_result_labels]",
            run: "click",
        },
        {
            content: "Odoo's label layout opens",
            trigger: ".modal .o_form_view .o_field_widget[name=print_format]",
        },
        {
            content: "Close it",
            trigger: ".modal .modal-footer button.btn-secondary",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "Go back to the credit note",
            trigger: ".o_breadcrumb .o_back_button a",
            run: "click",
        },
        {
            content: "The credit note shows the Serial Numbers smart button with 3 serials",
            trigger: ".o_form_view button[name=action_view_serials]:contains(Serial Numbers) .o_stat_value:contains(3)",
        },
        {
            content: "The Receipts smart button opens the receipt that brought them in",
            trigger: ".o_form_view button[name=action_view_serial_pickings]:contains(Receipts) .o_stat_value:contains(1)",
            run: "click",
        },
        {
            content: "The receipt is done",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Done)",
        },
        {
            content: "Go back to the credit note",
            trigger: ".o_breadcrumb .o_back_button a",
            run: "click",
        },
        {
            trigger: ".o_form_view button[name=action_view_serials] .o_stat_value:contains(3)",
        },
        ...openWizard(),
        {
            content: "Generate Serial # again: 2 laptops have serials, 1 is left",
            trigger: ".modal .o_data_row:contains(Tour Laptop) .o_data_cell[name=gen_quantity]:contains(1)",
        },
        {
            trigger: ".modal .o_data_row:contains(Tour Cable Reel) .o_data_cell[name=gen_quantity]:contains(0)",
        },
        {
            content: "Cancel the wizard",
            trigger: ".modal .modal-footer button:contains(Cancel)",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "The smart button lists the serials of the credit note",
            trigger: ".o_form_view button[name=action_view_serials]",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_group_header:contains(Tour Laptop):contains((2))",
        },
    ],
});

tours.add("everest_serial_gen_return_receipt_tour", {
    steps: () => [
        {
            content: "The return receipt is ready",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Ready)",
        },
        ...openWizard(),
        {
            content: "The wizard says that the items go into the Out location",
            trigger: ".modal .alert-info:contains(Returns Out):contains(Out location for returns)",
        },
        {
            trigger: ".modal .o_data_row:contains(Tour Laptop) .o_data_cell[name=gen_quantity]:contains(2)",
        },
        {
            content: "The wizard offers to validate the transfer, checked by default",
            trigger: ".modal .o_field_widget[name=validate_transfer] input:checked",
        },
        {
            content: "Click OK",
            trigger: ".modal .modal-footer button[name=action_generate]",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "A notification says where the serials went",
            trigger: ".o_notification:contains(2 serial numbers generated into):contains(Returns Out)",
        },
        {
            content: "The new serials are listed",
            trigger: ".o_list_view:not(:has(.o_group_header)):has(.o_data_row:contains(Tour Laptop) + .o_data_row:contains(Tour Laptop))",
        },
        {
            content: "Go back to the receipt",
            trigger: ".o_breadcrumb .o_back_button a:contains(WH/IN)",
            run: "click",
        },
        {
            content: "The receipt is done",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Done)",
        },
        {
            trigger: ".o_form_view button[name=action_view_serials] .o_stat_value:contains(2)",
        },
        {
            content: "Nothing is left to generate: Generate Serial # is gone",
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(button[name=action_generate_serial]))",
        },
    ],
});

tours.add("everest_serial_gen_reverse_tour", {
    steps: () => [
        {
            content: "The credit note has its serials",
            trigger: ".o_form_view button[name=action_view_serials] .o_stat_value:contains(2)",
        },
        {
            content: "Nothing is left to generate: Generate Serial # is gone",
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(button[name=action_generate_serial]))",
        },
        {
            content: "Click Reverse Serial Generation in the header",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_reverse_serial_generation]",
            run: "click",
        },
        {
            content: "It asks first (#31)",
            trigger: ".modal:contains(back to the customer with a validated return?) .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "A success notification says which return sent them back",
            trigger: ".o_notification:has(.bg-success):contains(Sent back with)",
        },
        {
            content: "The serials came back to the customer: Generate Serial # is offered again",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_generate_serial]",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(button[name=action_reverse_serial_generation]))",
        },
    ],
});

/*
 * The form of a serial generated on a return, then retrieved by a credit
 * note: one Origin group (#24).
 */
tours.add("everest_serial_gen_retrieved_serial_tour", {
    steps: () => [
        {
            content: "One Origin group",
            trigger: ".o_form_view .o_horizontal_separator:contains(Origin)",
        },
        {
            content: "Generated on the return",
            trigger: ".o_form_view .o_serial_origin tr:contains(Generated on):contains(WH/IN/)",
        },
        {
            content: "Retrieved by the credit note",
            trigger: ".o_form_view .o_serial_origin tr:contains(Retrieved by):contains(RINV)",
        },
        {
            content: "One customer and one date",
            trigger: ".o_form_view .o_field_widget[name=serial_origin_partner_id]:contains(Returning Customer)",
        },
        {
            trigger: ".o_form_view:has(.o_field_widget[name=serial_origin_date])",
        },
        {
            trigger: ".o_form_view:not(:has(.o_field_widget[name=serial_customer_id]))",
        },
        {
            trigger: ".o_form_view .o_serial_origin:not(:has(tr:eq(2)))",
        },
    ],
});

/** Type ``text`` into the many2one ``name`` and pick ``choice``. */
function pickMany2one(name, text, choice, row = "") {
    return [
        {
            content: `Type ${text} into ${name}`,
            trigger: `.o_form_view ${row} .o_field_widget[name=${name}] input`,
            run: `edit ${text}`,
        },
        {
            content: `Pick ${choice}`,
            trigger: `.ui-menu-item > a:contains(${choice})`,
            run: "click",
        },
    ];
}

tours.add("everest_serial_gen_return_entered_by_hand_tour", {
    steps: () => [
        {
            content: "In Receipts, click New, as for any receipt",
            trigger: ".o_list_button_add",
            run: "click",
        },
        ...pickMany2one("partner_id", "Returning Customer", "Returning Customer"),
        {
            content: "Add a product line",
            trigger: ".o_field_x2many_list_row_add > a",
            run: "click",
        },
        ...pickMany2one("product_id", "Tour Laptop", "Tour Laptop", ".o_data_row"),
        {
            trigger: ".o_data_row .o_field_widget[name=product_uom_qty] input",
            run: "edit 1",
        },
        {
            content: "Save the receipt",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved",
        },
        ...openWizard(),
        {
            content: "The wizard says the receipt comes from the customer, not from Vendors",
            trigger: ".modal .alert-info:contains(comes from):contains(Vendors):contains(OK receives it from):contains(Customers)",
        },
        {
            trigger: ".modal .o_data_row:contains(Tour Laptop) .o_data_cell[name=gen_quantity]:contains(1)",
        },
        {
            content: "Click OK",
            trigger: ".modal .modal-footer button[name=action_generate]",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "A notification says where the serial went",
            trigger: ".o_notification:contains(1 serial number generated into):contains(Returns Out)",
        },
        {
            content: "Go back to the receipt",
            trigger: ".o_breadcrumb .o_back_button a:contains(WH/IN)",
            run: "click",
        },
        {
            content: "The receipt is done",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Done)",
        },
    ],
});
