#!/usr/bin/env Rscript
# lavaan's results for the satisfaction SEM parity tests, one JSON per case.
#
# Regenerate (from the repository root, Debian/Ubuntu):
#   apt-get install r-base-core r-cran-lavaan r-cran-jsonlite
#   python tests/reference/make_data.py && Rscript tests/reference/make_reference.R
#
# The data are read from tests/reference/data/*.csv, written by make_data.py, so R and
# Python see exactly the same numbers. Each JSON holds: case, model syntax, the lavaan
# call, lavaan's version, parameterEstimates(fit, standardized=TRUE) (all rows, including
# the fixed.x rows), fitMeasures(fit) (all, with lavaan's names), lavInspect(fit, "r2"),
# modindices(fit), lavInspect(fit, "options")$information, the test statistic(s) and the
# free-parameter covariance matrix (vcov).
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else "tests/reference"
data_dir <- file.path(here, "data")
only <- commandArgs(trailingOnly = TRUE)  # optional: case names to (re)build

read_data <- function(name) read.csv(file.path(data_dir, name), na.strings = "NA")

df_rows <- function(df) {
  df <- as.data.frame(df)
  for (j in seq_along(df)) if (is.factor(df[[j]])) df[[j]] <- as.character(df[[j]])
  df
}

matrix_json <- function(m) {
  m <- unclass(m)
  list(rownames = rownames(m), colnames = colnames(m), values = unname(as.matrix(m)))
}

vec_json <- function(v) {
  v <- unclass(v)
  as.list(setNames(as.numeric(v), names(v)))
}

case_json <- function(name, fit, syntax, call, extra = list(), pe = NULL) {
  if (is.null(pe)) pe <- parameterEstimates(fit, standardized = TRUE)
  pe <- df_rows(pe)
  keep <- intersect(c("lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue",
                      "ci.lower", "ci.upper", "std.lv", "std.all", "std.nox"), names(pe))
  mi <- tryCatch({
                   m <- df_rows(modindices(fit))
                   m[, intersect(c("lhs", "op", "rhs", "group", "mi", "epc", "sepc.lv",
                                   "sepc.all"), names(m))]
                 }, error = function(e) NULL)
  test <- lavInspect(fit, "test")
  test <- lapply(test, function(t) t[intersect(names(t), c("test", "stat", "stat.group", "df",
                                                         "refdistr", "pvalue", "scaling.factor",
                                                         "shift.parameter", "trace.UGamma",
                                                         "trace.UGamma2"))])
  out <- c(list(
    case = name,
    lavaan_version = as.character(packageVersion("lavaan")),
    r_version = R.version.string,
    syntax = syntax,
    call = call,
    nobs = lavInspect(fit, "nobs"),
    converged = lavInspect(fit, "converged"),
    information = lavInspect(fit, "options")$information,
    options = lavInspect(fit, "options")[c("estimator", "se", "test", "missing",
                                           "information", "meanstructure", "fixed.x",
                                           "likelihood", "h1.information",
                                           "observed.information")],
    estimates = pe[, keep],
    fit_measures = vec_json(fitMeasures(fit)),
    r2 = if (lavInspect(fit, "ngroups") > 1) lapply(lavInspect(fit, "r2"), vec_json)
         else vec_json(lavInspect(fit, "r2")),
    modindices = mi,
    test = test,
    vcov = matrix_json(lavInspect(fit, "vcov"))
  ), extra)
  path <- file.path(here, paste0(name, ".json"))
  writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE,
                    dataframe = "columns", null = "null"), path)
  cat("wrote", path, "\n")
}

want <- function(name) length(only) == 0 || name %in% only

# --- Holzinger-Swineford three-factor CFA ---------------------------------------------
hs <- read_data("hs.csv")
hs_model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"
if (want("hs_cfa_ml")) {
  t <- system.time(fit <- cfa(hs_model, data = hs))
  case_json("hs_cfa_ml", fit, hs_model, "cfa(model, data = hs)",
            list(wall_time_s = unname(t["elapsed"])))
}
if (want("hs_cfa_mlr_means")) {
  fit <- cfa(hs_model, data = hs, estimator = "MLR", meanstructure = TRUE)
  case_json("hs_cfa_mlr_means", fit, hs_model,
            'cfa(model, data = hs, estimator = "MLR", meanstructure = TRUE)')
}
if (want("hs_cfa_fiml")) {
  fit <- cfa(hs_model, data = hs, missing = "ml")
  case_json("hs_cfa_fiml", fit, hs_model, 'cfa(model, data = hs, missing = "ml")')
}
for (est in c("MLM", "MLR")) {
  nm <- paste0("hs_cfa_", tolower(est))
  if (want(nm)) {
    fit <- cfa(hs_model, data = hs, estimator = est)
    case_json(nm, fit, hs_model, sprintf('cfa(model, data = hs, estimator = "%s")', est))
  }
}

# --- Bollen's political democracy SEM with an indirect effect ------------------------
polidem <- read_data("polidem.csv")
polidem_model <- "
# measurement model
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
# regressions
dem60 ~ a*ind60
dem65 ~ cp*ind60 + b*dem60
# residual correlations
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
# defined parameters
ind := a*b
total := cp + a*b
"
if (want("polidem_ml")) {
  t <- system.time(fit <- sem(polidem_model, data = polidem))
  case_json("polidem_ml", fit, polidem_model, "sem(model, data = polidem)",
            list(wall_time_s = unname(t["elapsed"])))
}
for (est in c("GLS", "ULS", "MLM", "MLR")) {
  nm <- paste0("polidem_", tolower(est))
  if (want(nm)) {
    fit <- sem(polidem_model, data = polidem, estimator = est)
    case_json(nm, fit, polidem_model, sprintf('sem(model, data = polidem, estimator = "%s")', est))
  }
}
# robust ML with exogenous observed covariates (fixed.x = TRUE: their moments are fixed
# to the sample values and Gamma is conditional on them)
polidem_x_model <- "
dem60 =~ y1 + y2 + y3 + y4
dem60 ~ x1 + x2
"
for (est in c("MLM", "MLR")) {
  nm <- paste0("polidem_x_", tolower(est))
  if (want(nm)) {
    fit <- sem(polidem_x_model, data = polidem, estimator = est)
    case_json(nm, fit, polidem_x_model,
              sprintf('sem(model, data = polidem, estimator = "%s")', est))
  }
}
if (want("polidem_boot")) {
  set.seed(20260401)
  t <- system.time(fit <- sem(polidem_model, data = polidem, se = "bootstrap",
                              bootstrap = 1000))
  pe_perc <- parameterEstimates(fit, standardized = TRUE, boot.ci.type = "perc")
  pe_bca <- df_rows(parameterEstimates(fit, boot.ci.type = "bca.simple"))
  boot <- lavInspect(fit, "boot")
  case_json("polidem_boot", fit, polidem_model,
            'set.seed(20260401); sem(model, data = polidem, se = "bootstrap", bootstrap = 1000)',
            list(boot_ci_type = "perc",
                 bootstrap_R = 1000,
                 bootstrap_successful = nrow(boot),
                 bootstrap_failed = length(attr(boot, "error.idx")),
                 bootstrap_nonadmissible = length(attr(boot, "nonadmissible")),
                 wall_time_s = unname(t["elapsed"]),
                 estimates_bca_simple = pe_bca[, c("lhs", "op", "rhs", "label", "est", "se",
                                                   "ci.lower", "ci.upper")]),
            pe = pe_perc)
}

# --- chain sample with MAR missingness, FIML -------------------------------------------
chain_model <- "
LQ   =~ lq1 + lq2 + lq3 + lq4
EX   =~ ex1 + ex2 + ex3 + ex4
REP  =~ rep1 + rep2 + rep3 + rep4
CSAT =~ csat1 + csat2 + csat3
EX   ~ a*LQ
REP  ~ b*EX
CSAT ~ c*REP + cp*EX
ind := a*b*c
"
if (want("chain_fiml")) {
  chain <- read_data("chain_mar.csv")
  t <- system.time(fit <- sem(chain_model, data = chain, missing = "ml"))
  case_json("chain_fiml", fit, chain_model, 'sem(model, data = chain_mar, missing = "ml")',
            list(wall_time_s = unname(t["elapsed"]),
                 patterns = nrow(lavInspect(fit, "patterns")),
                 h1_mean = vec_json(lavInspect(fit, "sampstat")$mean),
                 h1_cov = matrix_json(lavInspect(fit, "sampstat")$cov)))
}

if (want("chain_fiml_mlr")) {
  chain <- read_data("chain_mar.csv")
  fit <- sem(chain_model, data = chain, missing = "ml", estimator = "MLR")
  case_json("chain_fiml_mlr", fit, chain_model,
            'sem(model, data = chain_mar, missing = "ml", estimator = "MLR")')
}

# --- ordinal chain, WLSMV and DWLS ------------------------------------------------------
if (want("chain_ordinal")) {
  ord <- read_data("chain_ordinal.csv")
  items <- names(ord)
  t <- system.time(fit <- sem(chain_model, data = ord, ordered = items, estimator = "WLSMV"))
  ss <- lavInspect(fit, "sampstat")
  fit_dwls <- sem(chain_model, data = ord, ordered = items, estimator = "DWLS")
  pe_dwls <- df_rows(parameterEstimates(fit_dwls, standardized = TRUE))
  wlsv <- lavInspect(fit, "wls.v")
  case_json("chain_ordinal", fit, chain_model,
            'sem(model, data = chain_ordinal, ordered = names(chain_ordinal), estimator = "WLSMV")',
            list(wall_time_s = unname(t["elapsed"]),
                 polychoric = matrix_json(ss$cov),
                 thresholds = vec_json(ss$th),
                 wls_v_diag = as.numeric(if (is.matrix(wlsv)) diag(wlsv) else wlsv),
                 dwls = list(call = 'sem(model, data = chain_ordinal, ordered = names(chain_ordinal), estimator = "DWLS")',
                             estimates = pe_dwls[, c("lhs", "op", "rhs", "label", "est", "se",
                                                     "z", "pvalue", "std.all")],
                             fit_measures = vec_json(fitMeasures(fit_dwls)))))
}

# --- multiple groups and measurement invariance: Holzinger-Swineford by school ---------
# Groups in order of appearance (Pasteur, Grant-White), as lavaan orders them.
mg_levels <- list(
  configural = "",
  metric = c("loadings"),
  scalar = c("loadings", "intercepts"),
  strict = c("loadings", "intercepts", "residuals")
)
mg_extra <- function(fit) {
  pt <- parTable(fit)
  list(partable = df_rows(pt[, c("lhs", "op", "rhs", "group", "free", "label", "plabel")]),
       ngroups = lavInspect(fit, "ngroups"),
       group_labels = lavInspect(fit, "group.label"))
}
for (est in c("ML", "MLR")) {
  fits <- list()
  for (lev in names(mg_levels)) {
    nm <- paste0("hs_mg_", lev, if (est == "MLR") "_mlr" else "")
    eq <- mg_levels[[lev]]
    fit <- cfa(hs_model, data = hs, group = "school", group.equal = eq, estimator = est)
    fits[[lev]] <- fit
    if (want(nm)) {
      call <- sprintf('cfa(model, data = hs, group = "school", group.equal = c(%s), estimator = "%s")',
                      paste0('"', eq, '"', collapse = ", "), est)
      extra <- mg_extra(fit)
      if (lev == "scalar") {
        sc <- lavTestScore(fit)
        extra$score_uni <- df_rows(sc$uni)
        extra$score_test <- df_rows(sc$test)
      }
      case_json(nm, fit, hs_model, call, extra)
    }
  }
  nm <- paste0("hs_mg_lrt", if (est == "MLR") "_mlr" else "")
  if (want(nm)) {
    lrt <- lavTestLRT(fits$configural, fits$metric, fits$scalar, fits$strict)
    out <- list(case = nm, lavaan_version = as.character(packageVersion("lavaan")),
                call = "lavTestLRT(configural, metric, scalar, strict)",
                table = df_rows(cbind(model = rownames(lrt), as.data.frame(lrt))),
                method = attr(lrt, "heading"))
    writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE,
                      dataframe = "columns", null = "null"), file.path(here, paste0(nm, ".json")))
    cat("wrote", nm, "\n")
  }
}
# group-specific labels and values: c(l2, l2) is one loading for both schools,
# c(NA, 1) frees x3's loading in Pasteur and fixes it to 1 in Grant-White
hs_mg_label_model <- "
visual  =~ x1 + c(l2, l2)*x2 + c(NA, 1)*x3
textual =~ x4 + c(a1, a2)*x5 + x6
speed   =~ x7 + x8 + x9
a1 == a2
"
if (want("hs_mg_labels")) {
  fit <- cfa(hs_mg_label_model, data = hs, group = "school")
  case_json("hs_mg_labels", fit, hs_mg_label_model, 'cfa(model, data = hs, group = "school")',
            mg_extra(fit))
}
# group.partial: scalar invariance with two intercepts freed
if (want("hs_mg_partial")) {
  fit <- cfa(hs_model, data = hs, group = "school", group.equal = c("loadings", "intercepts"),
             group.partial = c("x3 ~ 1", "x7 ~ 1"))
  case_json("hs_mg_partial", fit, hs_model,
            'cfa(model, data = hs, group = "school", group.equal = c("loadings", "intercepts"), group.partial = c("x3 ~ 1", "x7 ~ 1"))',
            mg_extra(fit))
}
# a single-group equality constraint between labels
hs_eq_model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + b1*x5 + b2*x6
speed   =~ x7 + x8 + x9
b1 == b2
"
if (want("hs_cfa_equal")) {
  fit <- cfa(hs_eq_model, data = hs)
  case_json("hs_cfa_equal", fit, hs_eq_model, "cfa(model, data = hs)")
}
# nonlinear / expression equality and an active inequality constraint (single group)
hs_con_model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + b1*x5 + b2*x6
speed   =~ x7 + c1*x8 + x9
b1 == b2 + 0.3
c1 > 1.3
"
if (want("hs_cfa_constraints")) {
  fit <- cfa(hs_con_model, data = hs)
  case_json("hs_cfa_constraints", fit, hs_con_model, "cfa(model, data = hs)")
}
# multi-group with std.lv and equal loadings: latent variances free in the second group,
# and a defined parameter over group-specific labels
hs_mg_def_model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
textual ~ c(r1, r2)*visual
diff := r2 - r1
"
if (want("hs_mg_stdlv")) {
  fit <- sem(hs_mg_def_model, data = hs, group = "school", std.lv = TRUE,
             group.equal = c("loadings", "intercepts"))
  case_json("hs_mg_stdlv", fit, hs_mg_def_model,
            'sem(model, data = hs, group = "school", std.lv = TRUE, group.equal = c("loadings", "intercepts"))',
            mg_extra(fit))
}
