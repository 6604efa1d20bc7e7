using Hunyuan.Cli;

return await HycRootCommand.InvokeAsync(CliConsole.System, args);
