# docs/hosted.md's Supabase steps as written: the ```sql blocks after `<!-- hosted-step -->` (the
# roles and grants; Supabase Auth's hook's grants), which the page says to run in order, as the
# owner that installed the migration, in the SQL editor. Source it.
# shellcheck shell=bash

# hosted_steps DIR: writes the blocks to DIR/1, DIR/2, ... (without the list's indent) and prints
# how many; fails on a marker not followed by its block.
hosted_steps() {
  mkdir -p "$1"
  awk -v out="$1" '
    state == 2 && /^ *```[ \t]*$/ { close(file); state = 0; next }
    state == 2 { sub(/^   /, ""); print > file; next }
    state == 1 && /^ *```sql$/ { n++; file = out "/" n; printf "" > file; state = 2; next }
    state == 1 && /^ *$/ { next }
    state == 1 { exit 1 }
    /^ *<!-- hosted-step -->$/ { state = 1 }
    END { if (state != 0) exit 1; print n + 0 }' "$KC_ROOT/docs/hosted.md"
}
