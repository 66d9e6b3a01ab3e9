/** @odoo-module **/
/*
 * Browser tours of the service-center loop, run one after the other by
 * tests/test_vendor.py: from a customer return whose serials are generated,
 * open its serials, send them to the product's vendor, and see the Return to
 * Vendor transfer done; then receive one back, replaced.
 * "Tour Laptop" and "Tour Vendor" are shared with tests/test_vendor.py.
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("everest_serial_gen_send_vendor_tour", {
    steps: () => [
        {
            content: "The return receipt is done, with its serials",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Done)",
        },
        {
            content: "Open the serials of the return",
            trigger: ".o_form_view button[name=action_view_serials]",
            run: "click",
        },
        {
            content: "Open the laptop group",
            trigger: ".o_list_view .o_group_header:contains(Tour Laptop):contains((2))",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row",
        },
        {
            content: "Select both serials",
            trigger: ".o_list_view .o_data_row:eq(0) .o_list_record_selector input",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:eq(1) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Both are selected",
            trigger: ".o_list_view .o_data_row.o_data_row_selected:eq(1)",
        },
        {
            content: "Open the Action menu",
            trigger: ".o_cp_action_menus i.fa-cog",
            run: "click",
        },
        {
            content: "Click Send to Vendor",
            trigger: ".o-dropdown--menu .dropdown-item:contains(Send to Vendor)",
            run: "click",
        },
        {
            content: "The wizard proposes the product's vendor",
            trigger: ".modal .o_field_widget[name=partner_id] input:value(Tour Vendor)",
        },
        {
            content: "It lists the two serials",
            trigger: ".modal .o_field_widget[name=lot_ids] .o_data_row:eq(1)",
        },
        {
            content: "Click Send",
            trigger: ".modal .modal-footer button[name=action_send]",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "The Return to Vendor transfer is done",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Done)",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=partner_id]:contains(Tour Vendor)",
        },
    ],
});

/*
 * Then, on the form of one of these serials (at the vendor): Receive from
 * Vendor, replaced by TOUR-REPL-1; the vendor receipt is done, and back on the
 * serial its Service History shows the three steps in order.
 */
registry.category("web_tour.tours").add("everest_serial_gen_receive_vendor_tour", {
    steps: () => [
        {
            content: "The serial is at the vendor",
            trigger: ".o_form_view .o_field_widget[name=serial_at_vendor] input:checked",
        },
        {
            content: "Its history shows the return and the vendor return",
            trigger: ".o_form_view .o_serial_history tbody tr:eq(1):contains(Vendor return)",
        },
        {
            content: "Click Receive from Vendor",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_receive_from_vendor]",
            run: "click",
        },
        {
            content: "The wizard lists the serial",
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row:contains(Tour Laptop)",
        },
        {
            content: "It proposes to bring it back where it left from: the Out location",
            trigger: ".modal .o_field_widget[name=location_dest_id] input:value(WH/Returns Out)",
        },
        {
            content: "And says so",
            trigger: ".modal .alert-info:contains(where they left from for the vendor)",
        },
        {
            content: "Edit its line",
            trigger: ".modal .o_data_row .o_data_cell[name=product_id]",
            run: "click",
        },
        {
            content: "The vendor replaced it",
            trigger: ".modal .o_data_row .o_field_widget[name=replace] input",
            run: "click",
        },
        {
            trigger: ".modal .o_data_row .o_field_widget[name=replace] input:checked",
        },
        {
            content: "Type the new serial number",
            trigger: ".modal .o_data_row .o_field_widget[name=new_serial] input",
            run: "edit TOUR-REPL-1",
        },
        {
            content: "Click Receive",
            trigger: ".modal .modal-footer button[name=action_receive]",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "The receipt from the vendor is done",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Done)",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=partner_id]:contains(Tour Vendor)",
        },
        {
            content: "Back to the serial",
            trigger: ".o_breadcrumb .o_back_button a",
            run: "click",
        },
        {
            content: "It is replaced by the new serial, and no longer at the vendor",
            trigger: ".o_form_view .o_field_widget[name=serial_replaced_by_ids]:contains(TOUR-REPL-1)",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(button[name=action_receive_from_vendor]))",
        },
        {
            content: "Send to Vendor is not offered on a replaced serial",
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(button[name=action_send_to_vendor]))",
        },
        {
            content: "A smart button counts the steps of its service history",
            trigger: ".o_form_view button[name=action_view_serial_history] .o_stat_value:contains(3)",
        },
        {
            content: "The service history is the first page of the form",
            trigger: ".o_form_view .o_notebook .nav-link.active:contains(Service History)",
        },
        {
            content: "Its Service History shows the three steps in order",
            trigger: ".o_form_view .o_serial_history tbody tr:eq(0):contains(Customer return)",
        },
        {
            trigger: ".o_form_view .o_serial_history tbody tr:eq(1):contains(Vendor return)",
        },
        {
            trigger: ".o_form_view .o_serial_history tbody tr:eq(2):contains(Vendor receipt):contains(TOUR-REPL-1)",
        },
    ],
});
