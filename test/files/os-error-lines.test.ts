// os0file.cc os_file_get_last_error_low() (5.7.35 and 8.0.27): ENOENT and EACCES get InnoDB's own
// explanation instead of "Error number N means '<strerror>'"; the "If you are installing InnoDB"
// hint only while srv_is_being_started.
import { describe, expect, it } from "vitest";
import { errnoInfo } from "../../src/machine/fs/errno.js";
import { osErrorLines } from "../../src/mysql/innodb/file-lock-messages.js";

describe("os_file_get_last_error_low: the lines after 'Operating system error number N'", () => {
  it("ENOENT: 'cannot find the path specified', plus the directories hint at startup (8.0 MY-012593, MY-012594)", () => {
    expect(osErrorLines("8.0", errnoInfo("ENOENT"))).toEqual([
      "[ERROR] [MY-012592] [InnoDB] Operating system error number 2 in a file operation.",
      "[ERROR] [MY-012593] [InnoDB] The error means the system cannot find the path specified.",
    ]);
    expect(osErrorLines("5.7", errnoInfo("ENOENT"), true)).toEqual([
      "[ERROR] InnoDB: Operating system error number 2 in a file operation.",
      "[ERROR] InnoDB: The error means the system cannot find the path specified.",
      "[ERROR] InnoDB: If you are installing InnoDB, remember that you must create directories yourself, InnoDB does not create them.",
    ]);
  });

  it("EACCES: 'does not have the access rights' (8.0 MY-012595), no strerror line", () => {
    expect(osErrorLines("8.0", errnoInfo("EACCES"))).toEqual([
      "[ERROR] [MY-012592] [InnoDB] Operating system error number 13 in a file operation.",
      "[ERROR] [MY-012595] [InnoDB] The error means mysqld does not have the access rights to the directory.",
    ]);
  });

  it("any other errno: 'Error number N means' (MY-012596)", () => {
    expect(osErrorLines("8.0", errnoInfo("EDQUOT"))[1]).toBe("[ERROR] [MY-012596] [InnoDB] Error number 122 means 'Disk quota exceeded'");
  });
});
