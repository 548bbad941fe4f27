/** Errors raised by the engine. Messages follow PyTorch's wording and name the op and the shapes. */
export class TorchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TorchError";
  }
}

export const fmtShape = (shape: readonly number[]): string => `[${shape.join(", ")}]`;
