/** @odoo-module **/
/*
 * After OK, Generate Serial # opens the list of the new serials; the action
 * carries this effect, a notification of what was generated where
 * (serial.generate.wizard, _serial_result_action).
 */
import { registry } from "@web/core/registry";

function serialNotification(env, params = {}) {
    env.services.notification.add(params.message, {
        title: params.title,
        type: "success",
    });
}

registry.category("effects").add("everest_serial_gen_notification", serialNotification);
