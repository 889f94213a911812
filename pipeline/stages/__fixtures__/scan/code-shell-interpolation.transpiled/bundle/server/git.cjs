"use strict";
// tsc's CommonJS twin of an ESM file: the same injectable command, as an indirect member call.
Object.defineProperty(exports, "__esModule", { value: true });
exports.clone = clone;
const child_process_1 = require("child_process");
function clone(url, done) {
    (0, child_process_1.exec)(`git clone ${url}`, done);
}
