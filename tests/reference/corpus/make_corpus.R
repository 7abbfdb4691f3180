#!/usr/bin/env Rscript
# The convergence stress corpus: public real data sets that ship with R packages (lavaan,
# psych/psychTools, sem) and with semopy, fitted by lavaan 0.6-14; one JSON per case.
#
# Regenerate (from the repository root, Debian/Ubuntu):
#   apt-get install r-base-core r-cran-lavaan r-cran-psych r-cran-sem r-cran-jsonlite
#   python tests/reference/corpus/make_corpus_data.py   # the semopy data sets as CSV
#   Rscript tests/reference/corpus/make_corpus.R        # the R data sets as CSV, then every case
#   Rscript tests/reference/corpus/make_corpus.R hs_cfa3 bfi_5f   # only some cases
#
# The R data sets are first written to data/*.csv (subsamples as their own files, drawn
# with fixed seeds) and every case is fitted from those CSV files, so R and Python see
# exactly the same numbers. Each case is fitted with sem(model, data, ...) and the options
# listed in the case (std.lv, meanstructure), lavaan's defaults otherwise (ML, expected
# information, fixed.x = TRUE, listwise deletion is never needed: the files are complete).
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else "tests/reference/corpus"
data_dir <- file.path(here, "data")
dir.create(data_dir, showWarnings = FALSE)
only <- commandArgs(trailingOnly = TRUE)

write_data <- function(df, name) {
  df <- as.data.frame(df)
  rownames(df) <- NULL
  write.csv(df, file.path(data_dir, name), row.names = FALSE)
}
subsample <- function(df, n, seed) {
  set.seed(seed)
  df[sort(sample.int(nrow(df), n)), , drop = FALSE]
}

# --- data sets --------------------------------------------------------------------------
hs <- lavaan::HolzingerSwineford1939
hs <- hs[, c("id", "sex", "school", paste0("x", 1:9))]
hs <- hs[complete.cases(hs), ]
write_data(hs, "hs.csv")
write_data(subsample(hs, 60, 101), "hs_n60.csv")
write_data(subsample(hs, 100, 102), "hs_n100.csv")
write_data(hs[hs$school == "Pasteur", ], "hs_pasteur.csv")
write_data(subsample(hs, 60, 1), "hs_n60_seed1.csv")
write_data(subsample(hs, 50, 2), "hs_n50_seed2.csv")
write_data(subsample(hs, 50, 3), "hs_n50_seed3.csv")

hs24 <- sem::HS.data[, c("visual", "cubes", "paper", "flags", "general", "paragrap",
                         "sentence", "wordc", "wordm", "addition", "code", "counting",
                         "straight", "wordr", "numberr", "figurer", "object", "numberf",
                         "figurew", "deduct", "numeric", "problemr", "series", "arithmet")]
hs24 <- hs24[complete.cases(hs24), ]
write_data(hs24, "hs24.csv")
write_data(subsample(hs24, 150, 103), "hs24_n150.csv")

pd <- lavaan::PoliticalDemocracy
write_data(pd, "polidem.csv")
write_data(subsample(pd, 60, 104), "polidem_n60.csv")

write_data(lavaan::Demo.growth, "demo_growth.csv")
write_data(subsample(lavaan::Demo.growth, 100, 105), "demo_growth_n100.csv")
fb <- lavaan::FacialBurns
write_data(fb[complete.cases(fb), ], "facialburns.csv")
tl <- lavaan::Demo.twolevel[, c("y1", "y2", "y3", "y4", "y5", "y6", "x1", "x2", "x3")]
write_data(tl, "twolevel_within.csv")

bfi <- psych::bfi
bfi <- bfi[complete.cases(bfi), ]  # the 25 items, gender, education, age
write_data(bfi, "bfi.csv")
write_data(subsample(bfi, 300, 106), "bfi_n300.csv")
write_data(subsample(bfi, 150, 107), "bfi_n150.csv")
write_data(subsample(bfi, 100, 108), "bfi_n100.csv")
sa <- psych::sat.act
write_data(sa[complete.cases(sa), ], "sat_act.csv")
write_data(psych::Tal.Or, "tal_or.csv")

km <- sem::Kmenta
write_data(km, "kmenta.csv")
tests <- sem::Tests
write_data(tests[complete.cases(tests), ], "sem_tests.csv")

read_data <- function(name) read.csv(file.path(data_dir, name))

# --- cases --------------------------------------------------------------------------------
hs3 <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"
bifactor <- paste0("g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9\n", hs3,
                   "g ~~ 0*visual + 0*textual + 0*speed\nvisual ~~ 0*textual + 0*speed\n",
                   "textual ~~ 0*speed\n")
hs24_4f <- "
spatial =~ visual + cubes + paper + flags
verbal  =~ general + paragrap + sentence + wordc + wordm
speed   =~ addition + code + counting + straight
memory  =~ wordr + numberr + figurer + object + numberf + figurew
"
hs24_5f <- paste0(hs24_4f, "
reason  =~ deduct + numeric + problemr + series + arithmet
")
polidem_bollen <- "
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
"
bfi5 <- "
agree =~ A1 + A2 + A3 + A4 + A5
consc =~ C1 + C2 + C3 + C4 + C5
extra =~ E1 + E2 + E3 + E4 + E5
neuro =~ N1 + N2 + N3 + N4 + N5
open  =~ O1 + O2 + O3 + O4 + O5
"
growth <- "
i =~ 1*t1 + 1*t2 + 1*t3 + 1*t4
s =~ 0*t1 + 1*t2 + 2*t3 + 3*t4
t1 ~ 0*1
t2 ~ 0*1
t3 ~ 0*1
t4 ~ 0*1
i ~ 1
s ~ 1
"

cases <- list(
  # Holzinger-Swineford 1939 (lavaan)
  list(name = "hs_cfa3", data = "hs.csv", syntax = hs3,
       kind = "reference three-factor CFA"),
  list(name = "hs_cfa3_stdlv", data = "hs.csv", syntax = hs3, std.lv = TRUE,
       kind = "std.lv identification"),
  list(name = "hs_cfa1", data = "hs.csv", syntax = "g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9",
       kind = "badly misspecified one-factor model"),
  list(name = "hs_second_order", data = "hs.csv",
       syntax = paste0(hs3, "g =~ visual + textual + speed\n"),
       kind = "second-order factor (just identified at the top)"),
  list(name = "hs_bifactor", data = "hs.csv", std.lv = TRUE, syntax = bifactor,
       kind = "orthogonal bifactor, flat likelihood"),
  list(name = "hs_cfa3_n60", data = "hs_n60.csv", syntax = hs3,
       kind = "small sample, Heywood-prone"),
  list(name = "hs_cfa3_n100", data = "hs_n100.csv", syntax = hs3, kind = "small sample"),
  list(name = "hs_cfa3_pasteur", data = "hs_pasteur.csv", syntax = hs3,
       kind = "one school (n = 156)"),
  list(name = "hs_cfa3_cross", data = "hs.csv", syntax = paste0(hs3, "visual =~ x9\ntextual =~ x1\nspeed =~ x4\n"),
       kind = "cross-loadings, weakly identified"),
  list(name = "hs_cfa2_twoind", data = "hs_n100.csv",
       syntax = "visual =~ x1 + x2\nspeed =~ x7 + x8\n",
       kind = "two indicators per factor, small sample"),
  list(name = "hs_cfa2_twoind_n60", data = "hs_n60_seed1.csv",
       syntax = "visual =~ x1 + x2\nspeed =~ x7 + x8\n",
       kind = "empirically under-identified: lavaan does not converge"),
  list(name = "hs_bifactor_n50", data = "hs_n50_seed2.csv", std.lv = TRUE, syntax = bifactor,
       kind = "bifactor on 50 respondents: lavaan needs thousands of iterations"),
  list(name = "hs_bifactor_n50b", data = "hs_n50_seed3.csv", std.lv = TRUE, syntax = bifactor,
       kind = "bifactor on 50 respondents: lavaan does not converge"),
  list(name = "hs_cfa3_scrambled", data = "hs.csv",
       syntax = "f1 =~ x1 + x4 + x7\nf2 =~ x2 + x5 + x8\nf3 =~ x3 + x6 + x9\n",
       kind = "items assigned to the wrong factors"),
  # Holzinger-Swineford's 24 tests (sem::HS.data)
  list(name = "hs24_4f", data = "hs24.csv", syntax = hs24_4f, kind = "four factors, 19 tests"),
  list(name = "hs24_5f", data = "hs24.csv", syntax = hs24_5f, kind = "five factors, 24 tests"),
  list(name = "hs24_5f_n150", data = "hs24_n150.csv", syntax = hs24_5f,
       kind = "five factors on 150 respondents"),
  list(name = "hs24_verbal_split", data = "hs24.csv",
       syntax = "verbal1 =~ paragrap + sentence + wordm\nverbal2 =~ general + wordc + sentence\nspatial =~ visual + cubes + paper + flags\n",
       kind = "near-collinear latents (one construct split in two)"),
  # Bollen's political democracy (lavaan)
  list(name = "polidem_bollen", data = "polidem.csv", syntax = polidem_bollen,
       kind = "lavaan's SEM example"),
  list(name = "polidem_bollen_n60", data = "polidem_n60.csv", syntax = polidem_bollen,
       kind = "small sample"),
  list(name = "polidem_cfa_collinear", data = "polidem.csv",
       syntax = "ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem65 =~ y5 + y6 + y7 + y8\n",
       kind = "near-collinear latents (dem60 and dem65)"),
  list(name = "polidem_dem_onefactor_resid", data = "polidem.csv",
       syntax = "dem =~ y1 + y2 + y3 + y4 + y5 + y6 + y7 + y8\ny1 ~~ y5\ny2 ~~ y6\ny3 ~~ y7\ny4 ~~ y8\n",
       kind = "one factor with residual covariances"),
  # Demo.growth, FacialBurns, Demo.twolevel (lavaan)
  list(name = "growth_linear", data = "demo_growth.csv", syntax = growth, meanstructure = TRUE,
       kind = "linear growth model (mean structure)"),
  list(name = "growth_x_n100", data = "demo_growth_n100.csv", meanstructure = TRUE,
       syntax = paste0(growth, "i ~ x1 + x2\ns ~ x1 + x2\n"),
       kind = "conditional growth, fixed.x covariates, small sample"),
  list(name = "facialburns_path", data = "facialburns.csv",
       syntax = "HADS ~ TBSA + RUM + Sex + Age\nSelfesteem ~ HADS + TBSA + RUM + Sex\n",
       kind = "path model, observed variables only"),
  list(name = "twolevel_within", data = "twolevel_within.csv",
       syntax = "fa =~ y1 + y2 + y3\nfb =~ y4 + y5 + y6\nfa ~ x1 + x2 + x3\nfb ~ fa + x1\n",
       kind = "Demo.twolevel ignoring clusters, n = 2500"),
  # psych / psychTools
  list(name = "bfi_5f", data = "bfi.csv", syntax = bfi5, kind = "Big Five CFA (misfitting), n = 2236"),
  list(name = "bfi_5f_n300", data = "bfi_n300.csv", syntax = bfi5,
       kind = "five factors on 300 respondents"),
  list(name = "bfi_5f_n150", data = "bfi_n150.csv", syntax = bfi5,
       kind = "five factors on 150 respondents"),
  list(name = "bfi_5f_n100", data = "bfi_n100.csv", syntax = bfi5,
       kind = "five factors on 100 respondents"),
  list(name = "bfi_split_collinear", data = "bfi_n300.csv",
       syntax = "neuro1 =~ N1 + N2 + N3\nneuro2 =~ N3 + N4 + N5\nconsc1 =~ C1 + C2 + C3\nconsc2 =~ C3 + C4 + C5\n",
       kind = "near-collinear latents, small sample"),
  list(name = "bfi_mimic", data = "bfi.csv",
       syntax = paste0(bfi5, "neuro ~ gender + age + education\nconsc ~ gender + age + education\n"),
       kind = "MIMIC with fixed.x covariates"),
  list(name = "sat_act", data = "sat_act.csv",
       syntax = "ability =~ ACT + SATV + SATQ\nability ~ education + age + gender\n",
       kind = "three indicators with covariates"),
  list(name = "tal_or_mediation", data = "tal_or.csv",
       syntax = "pmi ~ a*cond\nimport ~ cond\nreaction ~ b*pmi + import + cp*cond\nind := a*b\n",
       kind = "observed mediation (n = 123)"),
  # sem package (John Fox)
  list(name = "kmenta_nonrecursive", data = "kmenta.csv",
       syntax = "Q ~ P + D\nP ~ Q + F + A\nQ ~~ P\n",
       kind = "non-recursive supply and demand, n = 20"),
  list(name = "sem_tests_cfa", data = "sem_tests.csv",
       syntax = "verbal =~ x1 + x2 + x3\nmath =~ y1 + y2 + y3\n",
       kind = "CFA on very few respondents"),
  # semopy.examples (written by make_corpus_data.py)
  list(name = "semopy_article", data = "semopy_article.csv",
       syntax = paste("eta1 =~ y1 + y2 + y3", "eta2 =~ y3 + y2", "eta3 =~ y4 + y5",
                      "eta4 =~ y4 + y6", "eta3 ~ x2 + x1", "eta4 ~ x3", "x3 ~ eta1 + eta2 + x1",
                      "x4 ~ eta4 + x6", "y7 ~ x4 + x6", "y6 ~~ y5", "x2 ~~ eta2", "", sep = "\n"),
       kind = "semopy's article model (cross-loadings, latent-observed paths)"),
  list(name = "semopy_rf", data = "semopy_rf.csv",
       syntax = "eta1 =~ y1 + y2\neta2 =~ y3 + y4\nx2 ~ eta1\neta2 ~ eta1\nx1 ~ eta1\n",
       kind = "semopy's random-effects example without the effects, n = 50"),
  list(name = "semopy_multireg", data = "semopy_multivariate_regression.csv",
       syntax = "y1 ~ x1 + x2 + x3\ny2 ~ x1 + x3\ny3 ~ x1 + x2 + x3\ny1 ~~ y2\n",
       kind = "multivariate regression, two paths fixed at 0")
)

# --- fit and write ------------------------------------------------------------------------
est_json <- function(fit) {
  pe <- parameterEstimates(fit, ci = FALSE)
  pe <- pe[, intersect(c("lhs", "op", "rhs", "label", "est", "se"), names(pe))]
  as.list(pe)
}

for (cs in cases) {
  if (length(only) && !(cs$name %in% only)) next
  if (!file.exists(file.path(data_dir, cs$data))) {
    cat("skipped", cs$name, "(", cs$data, "missing: run make_corpus_data.py )\n")
    next
  }
  d <- read_data(cs$data)
  std.lv <- isTRUE(cs$std.lv)
  ms <- isTRUE(cs$meanstructure)
  msgs <- character(0)
  t <- system.time(fit <- withCallingHandlers(
    sem(cs$syntax, data = d, std.lv = std.lv, meanstructure = ms),
    warning = function(w) {
      msgs <<- c(msgs, conditionMessage(w))
      invokeRestart("muffleWarning")
    }
  ))
  conv <- lavInspect(fit, "converged")
  fm <- if (conv) fitMeasures(fit, c("npar", "fmin", "chisq", "df", "logl", "unrestricted.logl"))
        else c(npar = NA, fmin = NA, chisq = NA, df = NA, logl = NA, unrestricted.logl = NA)
  out <- list(
    case = cs$name,
    kind = cs$kind,
    data = cs$data,
    syntax = cs$syntax,
    call = sprintf("sem(model, data, std.lv = %s, meanstructure = %s)", std.lv, ms),
    std_lv = std.lv,
    meanstructure = ms,
    lavaan_version = as.character(packageVersion("lavaan")),
    r_version = R.version.string,
    nobs = lavInspect(fit, "nobs"),
    converged = conv,
    iterations = lavInspect(fit, "iterations"),
    warnings = msgs,
    fit_measures = as.list(setNames(as.numeric(fm), names(fm))),
    # where lavaan stopped (also when it did not converge): its objective and log-likelihood
    optim_fx = fit@optim$fx,
    logl_at_stop = fit@loglik$loglik,
    estimates = est_json(fit),
    wall_time_s = unname(t["elapsed"])
  )
  path <- file.path(here, paste0(cs$name, ".json"))
  writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE,
                    null = "null"), path)
  cat(sprintf("%-28s n=%4d converged=%s iter=%d logl=%s %s\n", cs$name, out$nobs, conv,
              out$iterations, format(fm["logl"], digits = 10),
              if (length(msgs)) paste("|", substr(paste(msgs, collapse = " ; "), 1, 120)) else ""))
}
