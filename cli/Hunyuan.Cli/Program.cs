using Hunyuan.Cli;

return await HycRootCommand.Create(CliConsole.System).Parse(args).InvokeAsync();
