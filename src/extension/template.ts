// The file "New backprop exercise" writes: data, model and the forward pass cut into atoms as in the
// notebook, then every gradient of exercise 1 left for the learner (null until written, which cmp
// reports as "not written yet") and the one-step gradients of exercises 2 and 3. Its one source is
// examples/scaffold/backprop_ninja.ts; the build copies it into the extension (dist/scaffold).
export const EXERCISE_FILE_NAME = "backprop_ninja.ts";

/** Where the packaged extension keeps the scaffold, relative to its root. */
export const SCAFFOLD_PATH = ["dist", "scaffold", EXERCISE_FILE_NAME] as const;
