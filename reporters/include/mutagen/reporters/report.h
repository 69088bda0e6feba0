#pragma once
// The Report type lives in the core (mutagen/report.h): the engine builds it, reporters render it.
#include "mutagen/report.h"
