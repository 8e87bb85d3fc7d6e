package io.jformer.train;

import io.jformer.train.optim.AdamW;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingArgumentsTest {

    @Test
    void defaultsAreTheModelCardsRecipe() {
        TrainingArguments a = TrainingArguments.card(Path.of("out"));
        assertEquals(2e-5, a.learningRate());
        assertEquals(16, a.batchSize());
        assertEquals(3, a.epochs());
        assertEquals(42, a.seed());
        assertEquals(AdamW.Hyper.DEFAULTS, a.adam());
        assertEquals(new AdamW.Hyper(0.9, 0.999, 1e-8, 0.0), a.adam());
        assertEquals(0, a.warmupSteps());
        assertEquals(1.0, a.maxGradNorm());
        assertEquals(750, a.evalSteps());
        assertEquals(Path.of("out", "log.jsonl"), a.logPath());
    }

    @Test
    void invalidSettingsNameTheSettingAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingArguments.builder(Path.of("out")).batchSizes(0, 16).build());
        assertTrue(e.getMessage().contains("batch size") && e.getMessage().contains("0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TrainingArguments.builder(Path.of("out")).warmupRatio(1.5).build());
        assertTrue(e.getMessage().contains("1.5"), e.getMessage());
    }
}
