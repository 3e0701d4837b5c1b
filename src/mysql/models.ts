import { installBinlog } from "./binlog/model.js";
import { installInnodbFiles, type MachineSpec } from "./innodb/files-model.js";
import { installLocking } from "./locking/locking-model.js";
import type { Server } from "./server.js";

/**
 * Attaches every modelled subsystem to a server, in the order mysql_execute_command meets them.
 * Each model registers its StatementModel hooks (src/mysql/sql/execute.ts).
 */
export function installModels(server: Server): void {
  installLocking(server);
  installBinlog(server);
  installInnodbFiles(server, server.ext.machine as MachineSpec | undefined);
}
