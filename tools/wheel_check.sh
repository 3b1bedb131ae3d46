#!/usr/bin/env bash
# The installed app, as a new user gets it: build the wheel, install it into a fresh venv in a
# temporary folder, and from an empty working directory with a temporary HOME run
#   sane-desktop demo -> index -> query -> explain, and gui --screenshot (offscreen),
# then check that nothing was written inside the installed package (site-packages), in the
# working directory or in the checkout, and that the app's files landed in the per-user folders.
# `make test` runs it (after the unit tests); WHEEL_CHECK_KEEP=1 keeps the temporary folder.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"
work="$(mktemp -d -t sane-wheel-XXXXXX)"
[ "${WHEEL_CHECK_KEEP:-}" = 1 ] || trap 'rm -rf "$work"' EXIT
say() { printf 'wheel-check: %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

say "building the wheel"
"$python" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" "$repo" >/dev/null
wheel="$(ls "$work"/dist/sane_desktop-*.whl)"
# the listing first: `grep -q` stops reading at its match, and under pipefail unzip's SIGPIPE would fail
contents="$(unzip -l "$wheel")"
for model in demo.pt general.pt; do
  grep -q "sane_desktop/resources/models/$model" <<<"$contents" || fail "the wheel carries no $model"
done

say "installing it into a fresh venv"
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "$wheel" 2>&1 | grep -v "^WARNING: Location" || true
mkdir -p "$work/home" "$work/cwd"
cd "$work/cwd"  # an empty folder: the checkout must not be on the import path
"$work/venv/bin/python" -c "import sane_desktop" || fail "the installed package does not import"
site="$("$work/venv/bin/python" -c 'import sane_desktop, pathlib; print(pathlib.Path(sane_desktop.__file__).parent)')"
case "$site" in "$work"/venv/*) ;; *) fail "imported sane_desktop from $site, not from the fresh venv";; esac
# one version: what pip installed is what the app says (pyproject reads sane_desktop.__version__)
said="$("$work/venv/bin/sane-desktop" --version)"
installed="$("$work/venv/bin/python" -c 'import importlib.metadata as m; print(m.version("sane-desktop"))')"
[ "$said" = "sane-desktop $installed" ] || fail "the app says '$said', pip installed $installed"

listing() { (cd "$1" && find . -newer "$work/stamp" -print | sort); }
touch "$work/stamp"; sleep 1
export HOME="$work/home" QT_QPA_PLATFORM=offscreen
unset SANE_INDEX_HOME SANE_CACHE_HOME SANE_LOG_HOME XDG_DATA_HOME XDG_CACHE_HOME XDG_STATE_HOME XDG_CONFIG_HOME || true
app="$work/venv/bin/sane-desktop"
say "demo -> index -> query -> explain"
"$app" demo "$work/catalogue" --items 60 --json >/dev/null
"$app" index "$work/catalogue" --name shop --json > "$work/index.json"
first=$("$work/venv/bin/python" - "$work/catalogue" <<'PY'
import json, sys
truth = json.load(open(f"{sys.argv[1]}/ground_truth.json"))
outfit = next(o for o in truth["outfits"].values() if len(o["items"]) >= 2)
print(" ".join(outfit["items"][:2]))
PY
)
set -- $first
"$app" query shop --outfit "$1" -k 3 --json > "$work/query.json"
"$app" explain shop --query "$1" --candidate "$2" --json > "$work/explain.json"
grep -q '"similarity"' "$work/explain.json" || fail "explain printed no similarity"
say "a folder of photos: index with the bundled pretrained-trunk model, query, explain"
"$work/venv/bin/python" - "$work/photos" <<'PY'
import sys
from pathlib import Path
from PIL import Image, ImageDraw
for n, (folder, colour) in enumerate([("Tops", "red"), ("Tops", "navy"), ("Jewellery", "gold"), ("Jewellery", "silver")]):
    image = Image.new("RGB", (120, 160), "white")
    ImageDraw.Draw(image).ellipse((20, 30, 100, 130), fill=colour)
    (Path(sys.argv[1]) / folder).mkdir(parents=True, exist_ok=True)
    image.save(Path(sys.argv[1]) / folder / f"item{n}.jpg")
PY
"$app" index "$work/photos" --name closet --json > "$work/photos.json"
grep -q 'general.pt' "$work/photos.json" || fail "a photo folder was not indexed with the bundled general model"
"$app" query closet --outfit "Tops/item0,Jewellery/item2" -k 2 --json > "$work/photos_query.json"
"$app" explain closet --query "Tops/item1" --candidate "Jewellery/item2" --json > "$work/photos_explain.json"
grep -q '"similarity"' "$work/photos_explain.json" || fail "explain on the photo folder printed no similarity"

say "gui --screenshot (offscreen)"
timeout 600 "$app" gui --screenshot "$work/shots" > "$work/gui.log" 2> "$work/gui.err" \
  || { tail -5 "$work/gui.log" "$work/gui.err" >&2; fail "gui --screenshot failed"; }
ls "$work/shots"/*.png >/dev/null 2>&1 || fail "gui --screenshot wrote no picture"
# a successful walk prints no traceback and none of the offscreen plugin's warnings (trial EN read Qt's "This plugin
# does not support raise()" as a fault); what the machine's own setup makes Qt say (no XDG_RUNTIME_DIR) may stay
! grep -E "Traceback|does not support" "$work/gui.err" || fail "gui --screenshot printed the lines above on stderr"

say "checking where things were written"
written_site="$(listing "$site" | grep -v '/__pycache__' | grep -v '^\.$' || true)"
[ -z "$written_site" ] || fail "written inside the installed package: $(echo "$written_site" | head -5)"
[ -z "$(ls -A "$work/cwd")" ] || fail "written into the working directory: $(ls -A "$work/cwd" | head -5)"
[ -d "$HOME/.local/share/sane-desktop/catalogues/shop" ] || fail "the catalogue is not in the per-user data folder"
[ -d "$HOME/.local/share/sane-desktop/catalogues/demo" ] || fail "the first run built no demo in the per-user data folder"
say "passed: wheel $(basename "$wheel") installs and runs outside the repository"
