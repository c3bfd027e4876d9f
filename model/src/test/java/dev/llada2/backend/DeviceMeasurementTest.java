package dev.llada2.backend;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalDouble;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DeviceMeasurementTest {

    @Test
    void aNonCpuDeviceIsDescribedByItsMemoryAndTransferRateNotByThreads() {
        DeviceMeasurement m = new DeviceMeasurement(DeviceId.parse("tornado:0:1"), 0, 812.34,
                List.of(new DeviceMeasurement.MatMulShape("[hidden x hidden]", 64, 64).rate("BF16", 1000)),
                OptionalDouble.of(25.25), OptionalDouble.of(79.6));
        assertEquals(String.format("""
                device tornado:0:1 (79.6 GB memory)%n\
                  memory bandwidth (streaming read): 812.3 GB/s%n\
                  matmul [hidden x hidden] 64x64 BF16 x 32 tokens: 262.1 GFLOP/s%n\
                  host->device transfer: 25.3 GB/s"""), m.describe());
    }
}
