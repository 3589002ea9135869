package io.easel.conformance;

import com.fasterxml.jackson.databind.JsonNode;

/** Runs one kind of case. */
interface CaseHandler {
    /** Runs the case, recording comparisons in the context; returns the value to print (max_err or f1). */
    double run(CaseContext ctx) throws Exception;

    /** The component printed on the result line. */
    default String component(JsonNode json) { return json.path("kind").asText(); }

    /** The printed metric's name. */
    default String metric() { return "max_err"; }
}
