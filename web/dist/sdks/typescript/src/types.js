// Types of the Duplex connector API, generated from its definition. Do not edit.
export {};
