#!/usr/bin/env bash
# The layering rule of shared/DESIGN.md: nlp/ and connectors/ never include crm/ (nor daemon/);
# nlp/ includes no network, database or file-system headers; crm/ knows no connector or nlp type.
set -euo pipefail
root=${1:?usage: layering_test.sh SOURCE_DIR}
cd "$root"
failed=0
check() {  # check DIR REGEX WHY
    local hits
    hits=$(grep -rnE "$2" "$1" --include='*.hpp' --include='*.cpp' --include='*.h' || true)
    if [[ -n "$hits" ]]; then
        echo "layering violation ($3):"
        echo "$hits"
        failed=1
    fi
}
check nlp '#include[[:space:]]*[<"](crm|connectors|daemon)/' "nlp sees only ICU and text libraries"
check nlp '#include[[:space:]]*[<"](pqxx/|libpq|curl/|boost/asio|boost/beast|fstream|filesystem|sys/socket)' "nlp does no I/O"
check connectors '#include[[:space:]]*[<"](crm|nlp|daemon)/' "connectors never see crm, nlp or daemon"
check connectors '#include[[:space:]]*[<"]pqxx/' "connectors never talk to the database"
check surveys '#include[[:space:]]*[<"](crm|connectors|nlp|daemon|pqxx|curl|boost/asio|boost/beast|asio)[/.>"]' "surveys is pure domain logic: no crm, connectors, nlp, daemon, database or network headers"
check crm '#include[[:space:]]*[<"](connectors|nlp|daemon)/' "crm knows no connector wire format or nlp type"
# The build enforces the same: each module's CMake target links only what it may see.
for dir in nlp connectors surveys; do
    if grep -rnE 'carelisten::(crm|daemon_lib)' "$dir" --include=CMakeLists.txt; then
        echo "layering violation: $dir links crm or daemon_lib"
        failed=1
    fi
done
if [[ $failed -ne 0 ]]; then exit 1; fi
echo "layering: nlp, connectors, surveys and crm respect their boundaries"
