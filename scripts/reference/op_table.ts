// Prints the engine's op table as JSON (src/engine/ops/table.ts opTableData), for the Python
// reference scripts: gen_parity_fixtures.py runs `npx tsx scripts/reference/op_table.ts`.
import "../../src/engine/index"; // the engine first: Tensor installs the table's methods as it loads
import { opTableData } from "../../src/engine/ops/table";

process.stdout.write(JSON.stringify(opTableData()) + "\n");
