package chaos;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import java.time.Duration;

/** Endless sequence; each attempt of the map throws after ~5 s, so the job restarts (fixed-delay). */
public class FlakyJob {
    public static void main(String[] args) throws Exception {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 1000);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(2));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        env.fromSequence(0, Long.MAX_VALUE)
           .map(new MapFunction<Long, Long>() {
               private transient long started;
               @Override public Long map(Long v) throws Exception {
                   if (started == 0) started = System.currentTimeMillis();
                   Thread.sleep(50);
                   if (System.currentTimeMillis() - started > 5000) throw new RuntimeException("chaos: injected failure");
                   return v;
               }
           }).name("flaky-map")
           .print().name("print");
        env.execute("flaky-job");
    }
}
