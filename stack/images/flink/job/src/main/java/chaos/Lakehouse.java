package chaos;

import org.apache.paimon.catalog.Catalog;
import org.apache.paimon.catalog.Identifier;
import org.apache.paimon.flink.FlinkCatalogFactory;
import org.apache.paimon.options.Options;
import org.apache.paimon.schema.Schema;
import org.apache.paimon.table.Table;
import org.apache.paimon.types.DataTypes;

/**
 * The lakehouse the orders job writes and {@link LakehouseReader} reads: a Paimon filesystem catalog whose
 * warehouse is a MinIO bucket (Paimon's S3 file IO, the paimon-s3 plugin), with the table `lakehouse.orders`.
 * Where and how to reach it comes from the container's environment (docker-compose.test.yml):
 * LAKEHOUSE_WAREHOUSE, LAKEHOUSE_S3_ENDPOINT, LAKEHOUSE_S3_ACCESS_KEY, LAKEHOUSE_S3_SECRET_KEY.
 */
final class Lakehouse {
    static final Identifier ORDERS = Identifier.create("lakehouse", "orders");

    private Lakehouse() {
    }

    static Catalog catalog() {
        Options options = new Options();
        options.set("warehouse", env("LAKEHOUSE_WAREHOUSE", "s3://lakehouse/warehouse"));
        options.set("s3.endpoint", env("LAKEHOUSE_S3_ENDPOINT", "http://minio:9000"));
        options.set("s3.access-key", env("LAKEHOUSE_S3_ACCESS_KEY", ""));
        options.set("s3.secret-key", env("LAKEHOUSE_S3_SECRET_KEY", ""));
        options.set("s3.path.style.access", "true");
        options.set("cache-enabled", "false");   // every read plans on the newest snapshot
        return FlinkCatalogFactory.createPaimonCatalog(options);
    }

    /** The orders table, created on first use: primary key `id`, one bucket, small write buffers (the task
     * manager's heap is small), no compaction in the writer (a dedicated job's work, not this stack's). */
    static Table ordersTable(Catalog catalog) throws Exception {
        catalog.createDatabase(ORDERS.getDatabaseName(), true);
        catalog.createTable(ORDERS, Schema.newBuilder()
                .column("id", DataTypes.BIGINT().notNull())
                .column("customer_id", DataTypes.STRING())
                .column("status", DataTypes.STRING())
                .column("amount", DataTypes.DECIMAL(10, OrdersJob.AMOUNT_SCALE))
                .primaryKey("id")
                .option("bucket", "1")
                .option("write-buffer-size", "8 mb")
                .option("page-size", "64 kb")
                .option("write-only", "true")
                .build(), true);
        return catalog.getTable(ORDERS);
    }

    static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isEmpty() ? fallback : value;
    }
}
