/**
 * Recognises received messages. Generated classifiers test each message first by the
 * field value the spec fixes for it (`fieldIs`), then by its shape (`matches`), so a
 * message reaches the right typed event without a hand-written switch.
 */
/** Whether `data` is an object whose `property` equals `value`. */
export function fieldIs(data, property, value) {
    return isObject(data) && data[property] === value;
}
/** Whether `data` has `shape`; object shapes list the required properties. */
export function matches(data, shape) {
    if (typeof shape === "string") {
        switch (shape) {
            case "any":
                return true;
            case "array":
                return Array.isArray(data);
            case "object":
                return isObject(data);
            case "null":
                return data === null;
            default:
                return typeof data === shape;
        }
    }
    if ("const" in shape) {
        return data === shape.const;
    }
    if ("oneOf" in shape) {
        return shape.oneOf.some((option) => matches(data, option));
    }
    if (!isObject(data)) {
        return false;
    }
    return Object.entries(shape.object).every(([key, inner]) => key in data && matches(data[key], inner));
}
function isObject(data) {
    return typeof data === "object" && data !== null && !Array.isArray(data);
}
