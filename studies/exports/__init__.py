"""Exports: the tidy responses table (docs/architecture.md, Contract 4), the free text for the
manual screening, Prolific files, and the few record lookups other apps may use (``records``)."""

from .explorer import explorer_actions, explorer_summaries
from .prolific_files import approve_list, bonus_file, screen_out_list
from .records import find_participant, find_study, loaded_spec_text, participant_key
from .tidy import COLUMNS, csv_text, free_text, tidy_responses, write_responses

__all__ = ["COLUMNS", "approve_list", "bonus_file", "csv_text", "explorer_actions",
           "explorer_summaries", "find_participant", "find_study", "free_text",
           "loaded_spec_text", "participant_key", "screen_out_list", "tidy_responses",
           "write_responses"]
