/** @odoo-module **/
/* The banner of a document whose serials a background job generates or
 * moves: it shows the job's progress, and reloads the document when the job
 * tells its user that a chunk ended, or the job did, so that the progress
 * (and, at the end, the document's new serials and buttons) shows without a
 * reload. The same on 18.0 and 19.0. */
import {Component, onMounted, onWillDestroy} from "@odoo/owl";
import {registry} from "@web/core/registry";
import {standardFieldProps} from "@web/views/fields/standard_field_props";
import {useService} from "@web/core/utils/hooks";

export const SERIAL_JOB_PROGRESS = "everest_serial_gen.job_progress";
// A job that ends while the form loads sends its message before the banner
// listens: the banner also looks again now and then while it shows.
export const SERIAL_JOB_POLL_MS = 5000;

export class SerialJobProgressField extends Component {
    static template = "everest_serial_gen.SerialJobProgressField";
    static props = {...standardFieldProps};

    setup() {
        this.busService = useService("bus_service");
        const onProgress = (payload) => this.onProgress(payload);
        this.busService.subscribe(SERIAL_JOB_PROGRESS, onProgress);
        onMounted(() => {
            this.poll = setInterval(() => {
                const record = this.props.record;
                this.onProgress({res_model: record.resModel, res_id: record.resId});
            }, SERIAL_JOB_POLL_MS);
        });
        onWillDestroy(() => {
            clearInterval(this.poll);
            this.busService.unsubscribe(SERIAL_JOB_PROGRESS, onProgress);
        });
    }

    get text() {
        return this.props.record.data[this.props.name] || "";
    }

    async onProgress({res_model, res_id}) {
        const record = this.props.record;
        if (record.resModel !== res_model || record.resId !== res_id) {
            return;
        }
        const root = record.model.root;
        // never drop what the user is typing: the next save shows it
        if (root.resId !== res_id || (await root.isDirty())) {
            return;
        }
        await root.load();
    }
}

export const serialJobProgressField = {
    component: SerialJobProgressField,
    supportedTypes: ["char"],
};

registry.category("fields").add("serial_job_progress", serialJobProgressField);
