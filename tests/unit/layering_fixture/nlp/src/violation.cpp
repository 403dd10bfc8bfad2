// A deliberate violation: the layering test must catch it.
#include <crm/store.hpp>
