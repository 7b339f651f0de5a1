package dev.llmlb.host.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Asks {@code nvidia-smi} for the GPUs; finds none when it is missing, fails or takes too long. */
public final class NvidiaSmi implements GpuProbe {

    private static final System.Logger LOG = System.getLogger(NvidiaSmi.class.getName());

    @Override
    public List<Gpu> gpus() {
        ProcessBuilder command = new ProcessBuilder("nvidia-smi",
                "--query-gpu=index,name,memory.total,memory.free", "--format=csv,noheader,nounits")
                .redirectErrorStream(true);
        try {
            Process process = command.start();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                LOG.log(System.Logger.Level.WARNING, "nvidia-smi did not answer within 5 s; assuming no GPU");
                return List.of();
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return process.exitValue() == 0 ? parse(output) : List.of();
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    static List<Gpu> parse(String csv) {
        List<Gpu> gpus = new ArrayList<>();
        for (String line : csv.strip().split("\\R")) {
            String[] parts = line.split(",");
            if (parts.length < 4) {
                continue;
            }
            try {
                gpus.add(new Gpu(Integer.parseInt(parts[0].strip()), parts[1].strip(),
                        Long.parseLong(parts[2].strip()), Long.parseLong(parts[3].strip())));
            } catch (NumberFormatException e) {
                // a line such as "[N/A]" from a GPU without memory reporting: skip it
            }
        }
        return gpus;
    }
}
