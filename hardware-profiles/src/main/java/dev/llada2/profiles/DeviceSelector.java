package dev.llada2.profiles;

/**
 * Which physical device a profile device is: {@code "cpu"} (the host's cores) or
 * {@code "tornado:B:D"} (TornadoVM backend index B, device index D, as {@code llada2 devices} and
 * TornadoVM's {@code getDevice(B, D)} number them).
 */
public sealed interface DeviceSelector {

    /** The backend that can drive this device. */
    DeviceBackend backend();

    /** The selector as written in a profile. */
    String text();

    /** The host CPU. */
    record Cpu() implements DeviceSelector {
        @Override
        public DeviceBackend backend() {
            return DeviceBackend.CPU;
        }

        @Override
        public String text() {
            return "cpu";
        }
    }

    /** TornadoVM device {@code getDevice(backendIndex, deviceIndex)}. */
    record Tornado(int backendIndex, int deviceIndex) implements DeviceSelector {
        public Tornado {
            if (backendIndex < 0 || deviceIndex < 0) {
                throw new IllegalArgumentException("tornado backend and device indexes must be >= 0, found "
                        + backendIndex + ":" + deviceIndex);
            }
        }

        @Override
        public DeviceBackend backend() {
            return DeviceBackend.TORNADO;
        }

        @Override
        public String text() {
            return "tornado:" + backendIndex + ":" + deviceIndex;
        }
    }

    /**
     * Parses {@code "cpu"} or {@code "tornado:B:D"}.
     *
     * @throws IllegalArgumentException naming the expected syntax and what was found
     */
    static DeviceSelector parse(String text) {
        if (text.equals("cpu")) {
            return new Cpu();
        }
        String[] parts = text.split(":", -1);
        if (parts.length == 3 && parts[0].equals("tornado") && parts[1].matches("\\d{1,4}")
                && parts[2].matches("\\d{1,4}")) {
            return new Tornado(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
        }
        throw new IllegalArgumentException("expected \"cpu\" or \"tornado:B:D\" (TornadoVM backend and device"
                + " index, e.g. \"tornado:0:1\"), found \"" + text + "\"");
    }
}
