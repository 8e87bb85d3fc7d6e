package io.jformer.train;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** Training and validation loss, and validation accuracy, against the step, as a PNG (XChart). */
final class LossPlot {

    private LossPlot() {
    }

    static void write(Path png, List<TrainingLog.TrainRow> train, List<TrainingLog.EvalRow> eval) throws IOException {
        if (train.isEmpty()) {
            return;
        }
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(500).title("jformer fine-tuning")
                .xAxisTitle("step").yAxisTitle("loss / accuracy").build();
        chart.getStyler().setYAxisMin(0.0);
        chart.addSeries("training loss", train.stream().mapToDouble(TrainingLog.TrainRow::step).toArray(),
                train.stream().mapToDouble(TrainingLog.TrainRow::loss).toArray()).setMarker(SeriesMarkers.NONE);
        if (!eval.isEmpty()) {
            double[] steps = eval.stream().mapToDouble(TrainingLog.EvalRow::step).toArray();
            XYSeries vl = chart.addSeries("validation loss", steps,
                    eval.stream().mapToDouble(TrainingLog.EvalRow::loss).toArray());
            vl.setMarker(SeriesMarkers.CIRCLE);
            XYSeries acc = chart.addSeries("validation accuracy", steps,
                    eval.stream().mapToDouble(TrainingLog.EvalRow::accuracy).toArray());
            acc.setMarker(SeriesMarkers.DIAMOND);
        }
        Path tmp = png.resolveSibling(png.getFileName() + ".tmp.png");
        BitmapEncoder.saveBitmap(chart, tmp.toString(), BitmapEncoder.BitmapFormat.PNG);
        Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
