/** @odoo-module **/
/*
 * Browser tours of Generate Serial # on credit notes of sales, run by
 * tests/test_tours.py, which creates the documents and starts each tour on
 * its form.
 */
import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

/*
 * A credit note of a delivered sale: Generate Serial # attaches the serials
 * the sale delivered, and every word after OK says they were attached, not
 * generated (#24).
 */
tours.add("everest_serial_gen_attach_tour", {
    steps: () => [
        {
            content: "Click Generate Serial # in the header of the form",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_generate_serial]",
            run: "click",
        },
        {
            content: "The wizard opens with its lines",
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row",
        },
        {
            content: "The delivered serials are offered to attach",
            trigger: ".modal .o_data_row:contains(Tour Laptop) .o_data_cell[name=attach_lot_ids]:contains(TOUR-S1):contains(TOUR-S2)",
        },
        {
            content: "Nothing to generate",
            trigger: ".modal .o_data_row:contains(Tour Laptop) .o_data_cell[name=gen_quantity]:contains(0)",
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
            content: "The notification says they were attached",
            trigger: ".o_notification:contains(2 serial numbers attached into WH/Stock)",
        },
        {
            trigger: "body:not(:has(.o_notification:contains(generated)))",
        },
        {
            content: "The list names the credit note, not a generation",
            trigger: ".o_breadcrumb:contains(Serial Numbers of):not(:contains(Generated))",
        },
        {
            trigger: ".o_list_view th[data-name=serial_job_ids]:contains(Documents)",
        },
        {
            trigger: ".o_list_view .o_data_row .o_data_cell[name=name]:contains(TOUR-S1)",
        },
        {
            content: "Go back to the credit note",
            trigger: ".o_breadcrumb .o_back_button a",
            run: "click",
        },
        {
            content: "Its chatter says they were attached",
            trigger: ".o-mail-Message:contains(attached 2 serial numbers, into WH/Stock)",
        },
    ],
});

