/** @odoo-module **/
/*
 * Browser tour of the service-center loop, run by tests/test_vendor.py: from
 * a customer return whose serials are generated, open its serials, send them
 * to the product's vendor, and see the Return to Vendor transfer done.
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
