// The "Backprop Ninja" output channel: run starts and ends, script output, errors.
import * as vscode from "vscode";

export class Log implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;

  constructor() {
    this.channel = vscode.window.createOutputChannel("Backprop Ninja", { log: true });
  }

  info(message: string): void {
    this.channel.info(message);
  }

  warn(message: string): void {
    this.channel.warn(message);
  }

  error(message: string | Error): void {
    this.channel.error(message instanceof Error ? (message.stack ?? message.message) : message);
  }

  /** A line the user's script printed (console.log / print). */
  script(line: string): void {
    this.channel.info(`│ ${line}`);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
