package io.jformer.nn;

import java.util.List;

/**
 * What {@link Module#loadStateDict} matched: parameters the state had no value for, and state entries that
 * matched no parameter (both sorted).
 */
public record LoadReport(List<String> missingKeys, List<String> unexpectedKeys) {

    /** Whether every parameter got a value and every entry matched a parameter. */
    public boolean isComplete() {
        return missingKeys.isEmpty() && unexpectedKeys.isEmpty();
    }
}
